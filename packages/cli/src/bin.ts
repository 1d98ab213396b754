#!/usr/bin/env node
import { main } from './main.js';

// Exit explicitly: once the command is done, nothing left on the event loop may keep us alive.
process.exit(await main(process.argv.slice(2)));
