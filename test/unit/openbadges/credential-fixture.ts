import type { CredentialInput } from '../../../src/openbadges/ob3-credential.js';

export const BASE = 'https://badges.example.org';

export function credentialInput(overrides: Partial<CredentialInput> = {}): CredentialInput {
  return {
    id: `${BASE}/api/credentials/public/assertions/7f9c/credential.json`,
    issuer: {
      id: `${BASE}/api/issuers/42`,
      name: 'Example Issuer',
      url: 'https://example.org',
      email: 'badges@example.org',
      image: `${BASE}/api/issuers/42/logo.png`,
    },
    achievement: {
      id: `${BASE}/api/badges/teamwork`,
      name: 'Teamwork',
      description: 'Works well with others.',
      criteriaUrl: `${BASE}/badges/teamwork/criteria`,
      criteriaNarrative: 'Nominated by peers.',
      image: `${BASE}/api/badges/teamwork/image.png`,
      achievementType: 'Badge',
      tags: ['collaboration'],
      alignment: [{ targetName: 'Collaboration', targetUrl: 'https://frameworks.example.org/c/1' }],
      skills: [{ name: 'Communication', url: 'http://data.europa.eu/esco/skill/abc', framework: 'ESCO' }],
    },
    recipient: { userId: '5f0c2b1e-8d3a-4c2e-9b7a-1d2e3f4a5b6c', email: 'Alice@Example.com', salt: 'c0ffee' },
    issuedAt: new Date('2024-06-01T12:00:00.789Z'),
    expiresAt: new Date('2030-06-01T12:00:00Z'),
    image: `${BASE}/api/credentials/public/assertions/7f9c/image.png`,
    evidence: [{ id: 'https://example.org/work/1', name: 'Project report' }],
    narrative: 'Led the **team** project.',
    status: { listUrl: `${BASE}/api/status/1`, index: 94567 },
    ...overrides,
  };
}
