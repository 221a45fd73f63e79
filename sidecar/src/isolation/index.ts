export { Isolation, type IsolatedCopy, type IsolationOptions } from './isolation';
export { DEFAULT_COPY_LIMITS, type CopyLimits } from './copy';
