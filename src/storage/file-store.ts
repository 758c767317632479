import type { Readable } from 'node:stream';

/**
 * Where files live (uploaded images, rendered certificates, baked badges): a folder
 * (filesystem-store.ts) or an S3-compatible bucket (s3-store.ts), chosen by FILE_STORE.
 */
export interface StoredFile {
  body: Buffer;
  size: number;
  modifiedAt: Date;
}

/** A file read as a stream: large objects are never held in memory whole. */
export interface StoredStream {
  stream: Readable;
  size: number;
  modifiedAt: Date;
}

export interface FileStore {
  /** Where the files are, for logs and errors (`file:///…` or `s3://bucket/prefix`). */
  readonly location: string;
  put(key: string, body: Buffer | Readable, size?: number): Promise<void>;
  get(key: string): Promise<StoredFile | undefined>;
  /** The file as a stream (undefined when missing). */
  open(key: string): Promise<StoredStream | undefined>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Every key under a prefix (`files copy` walks a store with it). */
  list(prefix?: string): AsyncIterable<string>;
  /** A time-limited URL a client may fetch the file from directly, where the store has one. */
  presignedUrl?(key: string, opts: { contentType: string; filename: string; cacheControl?: string }): Promise<string>;
}

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** Keys are relative paths of safe segments: no `..`, no absolute paths, no hidden files. */
export function assertValidKey(key: string): void {
  if (!KEY.test(key) || key.length > 500) throw new Error(`Invalid file key: ${JSON.stringify(key)}`);
}
