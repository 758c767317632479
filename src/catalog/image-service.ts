import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { FileStore } from '../storage/file-store.js';
import type { PublicUrls } from '../public-urls.js';
import type { Logger } from '../logger.js';
import type { ImageRow, CatalogRepository } from '../db/catalog-repository.js';
import { NotFoundError, UnprocessableEntityError, UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import { assertCatalogWriter } from './catalog-access.js';
import { ACCEPTED_IMAGE_TYPES, sniffImageType } from './image-type.js';
import { budgetProblem, DEFAULT_IMAGE_BUDGET, readImageDimensions, type ImageBudget } from './image-dimensions.js';
import { SvgLimitError, SvgRejectedError } from './svg-sanitizer.js';
import { svgSanitizerThread } from './svg-sanitizer-thread.js';

/** 422: an image of an accepted type that we will not keep (over the pixel budget, nested too deep). */
export class UnprocessableImageError extends UnprocessableEntityError {
  constructor(message: string) {
    super(message, { fieldErrors: { image: [message] } });
  }
}

/**
 * Uploaded images (credential icons, backgrounds, signatures, logos). The type comes from the
 * bytes; SVG is sanitized (on a worker thread) before it is stored; the pixel dimensions, read
 * from the header, must fit the budget (image-dimensions.ts). Each image is stored under
 * `images/{org}/{random}.{ext}` and served publicly (and to the renderer) at `urls.image(key)`.
 */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** Searches answer at most this many images, newest first. */
export const IMAGE_SEARCH_LIMIT = 100;

export interface ImageObject {
  id: number;
  name: string;
  /** absolute public URL */
  image: string;
}

export interface ImageServiceDeps {
  catalogRepo: CatalogRepository;
  files: FileStore;
  urls: PublicUrls;
  logger: Logger;
  /** default DEFAULT_IMAGE_BUDGET (config IMAGE_MAX_EDGE, IMAGE_MAX_PIXELS) */
  imageBudget?: ImageBudget;
}

export function imageService(deps: ImageServiceDeps) {
  const { catalogRepo } = deps;
  const budget = deps.imageBudget ?? DEFAULT_IMAGE_BUDGET;
  // SVG is parsed on a worker thread: a hostile 5 MiB file costs that thread, not the event loop.
  const svgThread = svgSanitizerThread();
  const toObject = (r: ImageRow): ImageObject => ({ id: r.id, name: r.name, image: deps.urls.image(r.file_key) });

  return {
    async upload(
      p: Principal,
      org: string,
      file: { bytes: Buffer; originalName?: string },
      name?: string,
    ): Promise<ImageObject> {
      assertCatalogWriter(p, org);
      if (file.bytes.length === 0)
        throw new ValidationError('The uploaded image is empty.', { fieldErrors: { image: ['empty file'] } });
      const { type, detected } = await sniffImageType(file.bytes);
      if (!type) {
        throw new UnsupportedMediaTypeError(
          `Only ${ACCEPTED_IMAGE_TYPES} images are accepted${detected ? ` (this file is ${detected})` : ' (this file is not an image)'}; the type is read from the content, not the file name.`,
        );
      }
      let body = file.bytes;
      if (type.ext === 'svg') {
        try {
          const clean = await svgThread.sanitize(file.bytes);
          if (clean.removed.length)
            deps.logger.info({ org, removed: clean.removed.slice(0, 20) }, 'sanitized uploaded SVG');
          body = Buffer.from(clean.svg, 'utf8');
        } catch (e) {
          if (e instanceof SvgLimitError) throw new UnprocessableImageError(e.message);
          if (e instanceof SvgRejectedError)
            throw new ValidationError(e.message, { fieldErrors: { image: [e.message] } });
          throw e;
        }
      }
      const problem = budgetProblem(readImageDimensions(body, type.ext), budget);
      if (problem) throw new UnprocessableImageError(`The image is refused. ${problem}`);
      const key = `images/${org}/${randomBytes(16).toString('base64url')}.${type.ext}`;
      await deps.files.put(key, body);
      try {
        const row = await catalogRepo.insertImage({
          org,
          name: imageName(name, file.originalName),
          file_key: key,
          content_type: type.mime,
          size: body.length,
          sha256: createHash('sha256').update(body).digest('hex'),
        });
        return toObject(row);
      } catch (e) {
        await deps.files.delete(key).catch(() => {});
        throw e;
      }
    },

    async search(p: Principal, org: string, query: string): Promise<ImageObject[]> {
      void p; // every member of the org may look images up (to pick one for a credential)
      return (await catalogRepo.searchImages(org, query, IMAGE_SEARCH_LIMIT)).map(toObject);
    },

    /** A stored image for the public route; only keys registered as images are served. */
    async getPublic(fileKey: string): Promise<{ row: ImageRow; body: Buffer }> {
      const row = await catalogRepo.getImageByKey(fileKey);
      const file = row && (await deps.files.get(fileKey));
      if (!row || !file) throw new NotFoundError('Image not found.');
      return { row, body: file.body };
    },

    /** Ends the SVG sanitizer thread (the service stops). */
    close: () => svgThread.close(),
  };
}

function imageName(given: string | undefined, originalName: string | undefined): string {
  const fromFile = (originalName ?? '').replace(/\.[^.]*$/, '');
  const name = (given ?? '').trim() || fromFile.trim() || 'image';
  return name.slice(0, 255);
}

export type ImageService = ReturnType<typeof imageService>;
