export * from './issuer-key.js';
export * from './jwks.js';
export * from './key-encryption.js';
export * from './vc-jwt.js';
