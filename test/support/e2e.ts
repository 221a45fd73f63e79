/**
 * `describe` for the files that need a real n8n and Chromium: skipped under DW_SKIP_E2E=1
 * (npm test without them, e.g. for quick runs), run otherwise.
 */
export const describeE2e: jest.Describe = process.env.DW_SKIP_E2E === '1' ? describe.skip : describe;
