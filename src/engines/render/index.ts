// engines/render: the weight-free 2D renderer. Pure planners (viseme track, blinks, frame plan,
// ASS subtitles, ffmpeg argv, lips from a recording) plus the files that do I/O (precompose,
// render, scenes).
export * from './audio-lips.ts';
export * from './avatar-package.ts';
export * from './blink.ts';
export * from './compose-args.ts';
export * from './fonts.ts';
export * from './frame-plan.ts';
export * from './precompose.ts';
export * from './remote.ts';
export * from './render.ts';
export * from './scenes.ts';
export * from './subtitles-ass.ts';
export * from './viseme-track.ts';
