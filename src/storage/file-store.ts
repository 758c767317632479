/**
 * Where files live (uploaded images, rendered certificates, baked badges). The filesystem
 * implementation is the default; an S3-compatible one only has to implement this interface.
 */
export interface StoredFile {
  body: Buffer;
  size: number;
  modifiedAt: Date;
}

export interface FileStore {
  put(key: string, body: Buffer): Promise<void>;
  get(key: string): Promise<StoredFile | undefined>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** Keys are relative paths of safe segments: no `..`, no absolute paths, no hidden files. */
export function assertValidKey(key: string): void {
  if (!KEY.test(key) || key.length > 500) throw new Error(`Invalid file key: ${JSON.stringify(key)}`);
}
