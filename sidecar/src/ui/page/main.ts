/** The live page's script (bundled by scripts/bundle.mjs into a classic script loaded with `defer`). */
import { main } from './app';

main();
