import { spawn } from 'node:child_process';

export interface ClientRun {
  code: number | null;
  stderr: string;
}

/**
 * Runs a client to its end; `stopAfterMs` interrupts it (SIGINT: gst-launch's -e sends EOS
 * first, VLC quits), and anything still running a few seconds later, or after a minute, is killed.
 */
export function runClient(command: string, args: string[], stopAfterMs?: number): Promise<ClientRun> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (data: Buffer): void => void (output = (output + data.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timers = [setTimeout(() => child.kill('SIGKILL'), 60_000)];
  if (stopAfterMs !== undefined) {
    timers.push(setTimeout(() => child.kill('SIGINT'), stopAfterMs), setTimeout(() => child.kill('SIGKILL'), stopAfterMs + 5000));
  }
  return new Promise((resolve) =>
    child.on('close', (code) => {
      timers.forEach(clearTimeout);
      resolve({ code, stderr: output });
    }),
  );
}

/** gst-launch-1.0 with a pipeline written as one string (no element or value holds a space). */
export function gstLaunch(pipeline: string, stopAfterMs?: number): Promise<ClientRun> {
  return runClient('gst-launch-1.0', ['-e', ...pipeline.trim().split(/\s+/)], stopAfterMs);
}

/** A live H.264 (x264, zerolatency) and AAC test source of `seconds`, its pads linked to element `into`'s `videoPad` and `audioPad`. */
export function gstTestSource(seconds: number, videoPad: string, audioPad: string, encoder = 'avenc_aac'): string {
  const frames = seconds * 25;
  const audioBuffers = Math.ceil((seconds * 44100) / 1024);
  return `videotestsrc is-live=true num-buffers=${frames} ! video/x-raw,width=320,height=240,framerate=25/1
    ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! h264parse ! queue ! ${videoPad}
    audiotestsrc is-live=true num-buffers=${audioBuffers} samplesperbuffer=1024 ! audio/x-raw,rate=44100,channels=1
    ! audioconvert ! ${encoder} ! aacparse ! queue ! ${audioPad}`;
}
