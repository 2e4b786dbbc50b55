// engines/stream: the realtime avatar stream (live rooms, and dialog over WebRTC). Pure planners
// (clip, blink clock, play queue, pacer, encoder argv, RTP and SDP helpers) plus the few files
// that run processes and sockets (stream, rtmp-relay, rtp-relay, webrtc, faces).
export * from './audio-cut.ts';
export * from './blink-clock.ts';
export * from './clip.ts';
export * from './encoder-args.ts';
export * from './faces.ts';
export * from './flv-tags.ts';
export * from './pacer.ts';
export * from './play-queue.ts';
export * from './rtmp-relay.ts';
export * from './rtp-packets.ts';
export * from './rtp-relay.ts';
export * from './speech-clips.ts';
export * from './stream.ts';
export * from './stream-encoder.ts';
export * from './stream-output.ts';
export * from './webrtc.ts';
