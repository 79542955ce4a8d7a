#!/usr/bin/env node
// Runs the TypeScript sources directly through Node 24's type stripping: no build step.
import '../src/cli.ts';
