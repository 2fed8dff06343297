// Entry of the Action's bundle (dist/index.js), for both `main` and `post`. The logic is in
// main.ts, which exports run() so that @github/local-action can call it directly.
import { run } from './main.js';

await run();
