// The dialog page: an activation code buys a dialog job (POST dialog-sessions), then the page
// talks to it over the chat-command WebSocket (questions, interrupts, heartbeats; answers and
// playback events back) and watches the avatar over WebRTC (one SDP offer POSTed to the
// job's media URL, recvonly audio and video, ICE gathered first). Plain ES module, no build
// step. `window.doppelDialog` mirrors the state for tests and embedding pages.

const params = new URLSearchParams(location.search);
const flag = (name, dflt) => {
  const v = params.get(name);
  return v === null ? dflt : !/^(false|0|no)$/i.test(v);
};
const cfg = {
  projectId: params.get('project_id') ?? '',
  roomId: params.get('room_id') ?? '',
  robotId: params.get('robot_id') ?? '',
  caption: flag('enableCaption', true),
  vadInterrupt: flag('enableVadInterrupt', false),
  chatBox: flag('enableChatBox', true),
};

const HEARTBEAT_MS = 20_000;
const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'),
  error: $('error'),
  activate: $('activate'),
  code: $('code'),
  dialog: $('dialog'),
  video: $('avatar'),
  captions: $('captions'),
  ask: $('ask'),
  question: $('question'),
  interrupt: $('interrupt'),
  stop: $('stop'),
  faqBox: $('faq-box'),
  faqs: $('faqs'),
};

/** What tests read: the state shown in the status line and the last answer's full text. */
const view = { state: 'idle', lastAnswer: '', jobId: '', chatId: '', errors: [] };
window.doppelDialog = view;
/** The media's receive counters (for tests and diagnostics): decoded frames, audio energy. */
view.mediaStats = async () => {
  const out = { framesDecoded: 0, audioEnergy: 0, audioSeconds: 0 };
  if (!pc) return out;
  for (const s of (await pc.getStats()).values()) {
    if (s.type !== 'inbound-rtp') continue;
    if (s.kind === 'video') out.framesDecoded += s.framesDecoded ?? 0;
    if (s.kind === 'audio') {
      out.audioEnergy += s.totalAudioEnergy ?? 0;
      out.audioSeconds += s.totalSamplesDuration ?? 0;
    }
  }
  return out;
};

/**
 * An interrupt mutes the page at once: the server stops the answer, but what is already on
 * its way (encoder, relay, jitter buffer: a few hundred ms) would still be heard. Sound
 * returns with the next answer or the end of this one, once that tail is gone.
 */
const TAIL_MS = 400;
let unmuteAfter = 0;

function interrupt() {
  if (!send('INTERRUPT_CHAT')) return;
  ui.video.muted = true;
  unmuteAfter = performance.now() + TAIL_MS;
}

function unmuteSoon() {
  if (!ui.video.muted || !unmuteAfter) return;
  setTimeout(
    () => {
      ui.video.muted = false;
      unmuteAfter = 0;
    },
    Math.max(0, unmuteAfter - performance.now()),
  );
}

let ws;
let pc;
let heartbeat;
let session;
const answers = new Map();

function setState(state) {
  view.state = state;
  ui.status.textContent = state;
  const live = state === 'listening' || state === 'speaking';
  for (const el of [ui.question, ui.ask.querySelector('button'), ui.interrupt, ui.stop]) el.disabled = !live;
  for (const b of ui.faqs.querySelectorAll('button')) b.disabled = !live;
}

function showError(msg) {
  view.errors.push(msg);
  ui.error.textContent = msg;
  ui.error.hidden = false;
}

function clearError() {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

/** 32 hex digits, fresh per message. */
function requestId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function send(command, data) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  const payload = { job_id: view.jobId, robot_id: cfg.robotId, chat_id: view.chatId, command };
  if (data !== undefined) payload.data = data;
  ws.send(JSON.stringify({ request_id: requestId(), payload }));
  return true;
}

function ask(text) {
  const t = text.trim();
  if (!t) return;
  clearError();
  send('TEXT_DRIVE', { text: t });
}

function renderFaqs(faqs) {
  ui.faqs.replaceChildren(
    ...faqs.map((q) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = q;
      b.addEventListener('click', () => ask(q));
      li.append(b);
      return li;
    }),
  );
  ui.faqBox.hidden = faqs.length === 0;
}

function onMessage(ev) {
  let msg;
  try {
    msg = JSON.parse(ev.data);
  } catch {
    return;
  }
  const p = msg.payload;
  if (!p) {
    if (msg.error_code && msg.error_code !== 'MSS.00000000') showError(msg.error_msg || msg.error_code);
    return;
  }
  switch (p.command) {
    case 'START_CHAT':
      view.chatId = p.chat_id ?? '';
      setState('listening');
      break;
    case 'ANSWER_TEXT': {
      const text = (answers.get(p.answer_id) ?? '') + (p.text ?? '');
      answers.set(p.answer_id, text);
      view.lastAnswer = text;
      if (cfg.caption) ui.captions.textContent = text;
      break;
    }
    case 'ANSWER_START':
      unmuteSoon();
      setState('speaking');
      break;
    case 'ANSWER_END':
      unmuteSoon();
      if (view.state === 'speaking') setState('listening');
      break;
    case 'JOB_FINISHED':
      end(p.reason ?? 'finished');
      break;
  }
}

function end(reason) {
  if (view.state.startsWith('ended')) return;
  setState(`ended: ${reason}`);
  clearInterval(heartbeat);
  ws?.close();
  pc?.close();
  vad?.stop();
}

async function postJson(url, body) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok || (data.error_code && data.error_code !== 'MSS.00000000'))
    throw new Error(data.error_msg || `the server answered ${r.status}`);
  return data;
}

function openChat() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url =
    `${scheme}://${session.chat_access_address}/v1/${encodeURIComponent(cfg.projectId)}` +
    `/digital-human-chat/chat-command/${encodeURIComponent(session.job_id)}?token=${encodeURIComponent(session.once_code)}`;
  ws = new WebSocket(url);
  ws.addEventListener('message', onMessage);
  ws.addEventListener('close', () => end('connection closed'));
  heartbeat = setInterval(() => send('HEARTBEAT'), HEARTBEAT_MS);
}

async function openMedia() {
  pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  // Audio and video come in separate streams (no lip-sync on the server's clock): one element plays both.
  const tracks = [];
  pc.addEventListener('track', (e) => {
    tracks.push(e.track);
    ui.video.srcObject = new MediaStream(tracks);
    ui.video.play().catch(() => {});
  });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });
  const r = await fetch(session.media_url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: pc.localDescription.sdp,
  });
  const body = await r.text();
  if (r.status !== 201) {
    let msg = `the media server answered ${r.status}`;
    try {
      msg = JSON.parse(body).error_msg || msg;
    } catch {}
    throw new Error(msg);
  }
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
}

/**
 * Voice-activity interrupt (enableVadInterrupt): while the avatar speaks, a quarter second of
 * the user's voice above the noise floor interrupts it. Echo cancellation keeps the avatar's
 * own sound out of the microphone.
 */
let vad;
async function startVad() {
  const mic = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true },
  });
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  ctx.createMediaStreamSource(mic).connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  let loudSince = 0;
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const v of buf) sum += v * v;
    const loud = Math.sqrt(sum / buf.length) > 0.04;
    const now = performance.now();
    if (!loud || view.state !== 'speaking') loudSince = 0;
    else if (!loudSince) loudSince = now;
    else if (now - loudSince > 250) {
      loudSince = 0;
      interrupt();
    }
  }, 50);
  vad = {
    stop() {
      clearInterval(timer);
      for (const t of mic.getTracks()) t.stop();
      void ctx.close();
    },
  };
}

async function start(code) {
  clearError();
  setState('connecting');
  ui.activate.querySelector('button').disabled = true;
  try {
    session = await postJson(`/v1/${encodeURIComponent(cfg.projectId)}/digital-human-chat/dialog-sessions`, {
      room_id: cfg.roomId,
      robot_id: cfg.robotId,
      active_code: code,
    });
    view.jobId = session.job_id;
    if (session.language) document.documentElement.lang = session.language;
    renderFaqs(Array.isArray(session.faqs) ? session.faqs : []);
    ui.activate.hidden = true;
    ui.dialog.hidden = false;
    openChat();
    await openMedia();
    if (cfg.vadInterrupt)
      await startVad().catch((e) => showError(`No microphone for interrupting: ${e.message}`));
    (cfg.chatBox ? ui.question : ui.interrupt).focus();
  } catch (e) {
    showError(e.message);
    if (!session) {
      setState('idle');
      ui.activate.querySelector('button').disabled = false;
    } else end('failed');
  }
}

ui.activate.addEventListener('submit', (e) => {
  e.preventDefault();
  void start(ui.code.value.trim());
});
ui.ask.addEventListener('submit', (e) => {
  e.preventDefault();
  ask(ui.question.value);
  ui.question.value = '';
});
ui.interrupt.addEventListener('click', interrupt);
ui.stop.addEventListener('click', () => send('STOP_CHAT') || end('stopped'));
ui.captions.hidden = !cfg.caption;
ui.ask.hidden = !cfg.chatBox;
if (!cfg.projectId || !cfg.roomId || !cfg.robotId)
  showError('This page needs project_id, room_id and robot_id in its address.');
setState('idle');
