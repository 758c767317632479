import { fileTypeFromBuffer } from 'file-type';
import { looksLikeSvg } from './svg-sanitizer.js';

/**
 * What an uploaded image really is, from its bytes (the file name and the declared content type
 * are not trusted). Only these types are accepted for credentials, issuers and signatures.
 */
export interface ImageType {
  ext: 'png' | 'jpg' | 'gif' | 'webp' | 'svg';
  mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/svg+xml';
}

export const ACCEPTED_IMAGE_TYPES = 'PNG, JPEG, SVG, WebP and GIF';

const RASTER: Record<string, ImageType> = {
  png: { ext: 'png', mime: 'image/png' },
  // An animated PNG is a PNG every viewer can show (as its first frame, at worst).
  apng: { ext: 'png', mime: 'image/png' },
  jpg: { ext: 'jpg', mime: 'image/jpeg' },
  gif: { ext: 'gif', mime: 'image/gif' },
  webp: { ext: 'webp', mime: 'image/webp' },
};

/** The accepted image type of `bytes`, or undefined (with what it looks like instead, when known). */
export async function sniffImageType(bytes: Uint8Array): Promise<{ type?: ImageType; detected?: string }> {
  const ft = await fileTypeFromBuffer(bytes);
  if (ft && RASTER[ft.ext]) return { type: RASTER[ft.ext] };
  if ((!ft || ft.ext === 'xml') && looksLikeSvg(bytes)) return { type: { ext: 'svg', mime: 'image/svg+xml' } };
  return { detected: ft?.mime };
}
