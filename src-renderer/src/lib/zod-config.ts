import { z } from 'zod';

// The renderer runs under a strict CSP (no eval): stop zod from probing `new Function`,
// which would log a CSP violation even though the probe's failure is caught.
z.config({ jitless: true });
