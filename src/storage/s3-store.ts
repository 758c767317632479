import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertValidKey, type FileStore, type StoredStream } from './file-store.js';

export interface S3StoreOptions {
  /** `s3://bucket/prefix` */
  url: string;
  /** For S3-compatible stores (MinIO, R2, Ceph): their URL. Unset: AWS S3. */
  endpoint?: string;
  region?: string;
  /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key` (MinIO and most self-hosted stores). */
  forcePathStyle?: boolean;
  /** Explicit credentials (tests); unset: the SDK's chain (env, profile, instance or task role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** How long a presigned download URL is valid. */
  presignSeconds?: number;
}

/** Failures of the store a person can act on, worded so: the bucket, the credentials, the endpoint. */
export class FileStoreError extends Error {}

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new FileStoreError(`Invalid S3 store URL ${JSON.stringify(url)}: must be s3://bucket/prefix`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: m[1], prefix: prefix ? `${prefix}/` : '' };
}

const statusOf = (err: unknown) => (err as S3ServiceException).$metadata?.httpStatusCode;
const isMissing = (err: unknown) =>
  err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound');

/** Objects in one bucket under one prefix, through the official AWS SDK (any S3-compatible store). */
export function s3Store(opts: S3StoreOptions): FileStore {
  const { bucket, prefix } = parseS3Url(opts.url);
  const client = new S3Client({
    endpoint: opts.endpoint,
    // The SDK wants a region even for stores that ignore it (MinIO, R2 `auto`).
    region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: opts.forcePathStyle ?? false,
    credentials: opts.credentials,
    // Checksums only where the API requires them: several S3-compatible stores refuse the
    // trailing checksums the SDK otherwise adds to every upload.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const where = `s3://${bucket}/${prefix}`;
  const objectKey = (key: string) => {
    assertValidKey(key);
    return prefix + key;
  };

  // Bucket and credential failures name what to fix; anything else keeps the SDK's message.
  const explain = (err: unknown, op: string, key?: string): Error => {
    if (!(err instanceof S3ServiceException)) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND')
        return new FileStoreError(`File store ${where}: cannot reach the S3 endpoint (${code}); check S3_ENDPOINT.`);
      return err as Error;
    }
    const what = `File store ${where}: ${op}${key ? ` ${key}` : ''} failed`;
    if (err.name === 'NoSuchBucket') return new FileStoreError(`${what}: bucket "${bucket}" does not exist.`);
    if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken'].includes(err.name))
      return new FileStoreError(`${what}: the credentials were refused (${err.name}); check AWS_ACCESS_KEY_ID/SECRET.`);
    if (err.name === 'AccessDenied' || statusOf(err) === 403)
      return new FileStoreError(`${what}: access denied (403); the credentials lack rights on bucket "${bucket}".`);
    return new FileStoreError(`${what}: ${err.name} ${err.message}`.trim());
  };

  const read = async (key: string): Promise<StoredStream | undefined> => {
    try {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      return { stream: r.Body as Readable, size: r.ContentLength ?? 0, modifiedAt: r.LastModified ?? new Date(0) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw explain(err, 'get', key);
    }
  };

  return {
    location: where,
    async put(key, body, size) {
      const length = Buffer.isBuffer(body) ? body.length : size;
      // A stream of unknown length would need a multipart upload; every caller knows its size.
      if (length === undefined) throw new Error('s3Store.put: a stream needs its size');
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: objectKey(key), Body: body, ContentLength: length }),
        );
      } catch (err) {
        throw explain(err, 'put', key);
      }
    },
    async get(key) {
      const r = await read(key);
      if (!r) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of r.stream) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      return { body, size: body.length, modifiedAt: r.modifiedAt };
    },
    open: read,
    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
        return true;
      } catch (err) {
        // HEAD has no body: a missing bucket is a 404 as well, and then every put fails loudly.
        if (isMissing(err) || statusOf(err) === 404) return false;
        throw explain(err, 'exists', key);
      }
    },
    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      } catch (err) {
        if (isMissing(err)) return;
        throw explain(err, 'delete', key);
      }
    },
    async *list(sub = '') {
      let token: string | undefined;
      do {
        let page;
        try {
          page = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix + sub, ContinuationToken: token }),
          );
        } catch (err) {
          throw explain(err, 'list');
        }
        for (const o of page.Contents ?? []) if (o.Key) yield o.Key.slice(prefix.length);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async presignedUrl(key, { contentType, filename, cacheControl }) {
      // The store answers with the headers the api would have sent (the URL carries them, signed).
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: objectKey(key),
        ResponseContentType: contentType,
        ResponseContentDisposition: `inline; filename="${filename}"`,
        ...(cacheControl && { ResponseCacheControl: cacheControl }),
      });
      return getSignedUrl(client, command, { expiresIn: opts.presignSeconds ?? 300 });
    },
  };
}
