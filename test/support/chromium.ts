// Headless Chromium (Debian's `chromium`) driven over the DevTools protocol with Node's own
// WebSocket, so no browser-automation package is needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Without the background-networking flags Chromium keeps trying hosts a closed network refuses.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--hide-scrollbars', '--remote-debugging-port=0',
];

export class Chromium {
  readonly #child: ChildProcess;
  readonly #dir: string;
  #socket: WebSocket | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  #session = '';

  private constructor(child: ChildProcess, dir: string) {
    this.#child = child;
    this.#dir = dir;
  }

  static async launch(binary: string, size = { width: 1400, height: 1000 }): Promise<Chromium> {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
    const child = spawn(binary, [...FLAGS, `--user-data-dir=${dir}`, `--window-size=${size.width},${size.height}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    const browser = new Chromium(child, dir);
    const portFile = join(dir, 'DevToolsActivePort');
    const deadline = Date.now() + 20_000;
    while (!existsSync(portFile) || readFileSync(portFile, 'utf8').split('\n').length < 2) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await browser.close();
        throw new Error(`chromium did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const [port, path] = readFileSync(portFile, 'utf8').split('\n');
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error('cannot reach the DevTools socket')), { once: true });
    });
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const waiter = browser.#pending.get(message.id);
      browser.#pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result);
    });
    browser.#socket = socket;
    return browser;
  }

  #send<T = any>(method: string, params: Record<string, unknown> = {}, session = this.#session): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket!.send(JSON.stringify({ id, method, params, ...(session === '' ? {} : { sessionId: session }) }));
    });
  }

  /** Opens `url` in a new tab and makes it the page the other calls act on. */
  async open(url: string, size = { width: 1400, height: 1000 }): Promise<void> {
    const { targetId } = await this.#send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' }, '');
    const { sessionId } = await this.#send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true }, '');
    this.#session = sessionId;
    await this.#send('Emulation.setDeviceMetricsOverride', { width: size.width, height: size.height, deviceScaleFactor: 1, mobile: false });
    await this.#send('Page.enable');
    await this.#send('Page.navigate', { url });
  }

  /** Runs an expression in the page and returns its (JSON-able) value. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.#send<{ result: { value: T }; exceptionDetails?: { text: string } }>('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (result.exceptionDetails !== undefined) throw new Error(`page script failed: ${result.exceptionDetails.text}`);
    return result.result.value;
  }

  /** A PNG of the whole page. */
  async screenshot(): Promise<Buffer> {
    const { data } = await this.#send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    return Buffer.from(data, 'base64');
  }

  async close(): Promise<void> {
    this.#socket?.close();
    if (this.#child.exitCode === null) {
      const exited = new Promise((r) => this.#child.once('exit', r));
      this.#child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
