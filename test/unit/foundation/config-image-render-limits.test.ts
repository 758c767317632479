import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';

describe('config: image pixel budget and render time limit', () => {
  it('defaults to 8192 a side, 4096×4096 pixels, 15 s a render', () => {
    const c = loadConfig({});
    expect(c.imageBudget).toEqual({ maxEdge: 8192, maxPixels: 16_777_216 });
    expect(c.renderTimeoutMs).toBe(15_000);
  });

  it('reads IMAGE_MAX_EDGE, IMAGE_MAX_PIXELS and RENDER_TIMEOUT_MS, and refuses nonsense naming the variable', () => {
    const c = loadConfig({ IMAGE_MAX_EDGE: '2048', IMAGE_MAX_PIXELS: '1000000', RENDER_TIMEOUT_MS: '2500' });
    expect(c.imageBudget).toEqual({ maxEdge: 2048, maxPixels: 1_000_000 });
    expect(c.renderTimeoutMs).toBe(2500);
    for (const [name, value] of [
      ['IMAGE_MAX_EDGE', '0'],
      ['IMAGE_MAX_PIXELS', 'lots'],
      ['RENDER_TIMEOUT_MS', '10'],
    ]) {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid ${name}=`));
    }
  });
});
