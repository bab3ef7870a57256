// The map's features, each a module with an id (naming its message
// catalogue, static/i18n/<id>.<lang>.json) and an init(ctx) that adds its
// layers, legend rows and panels. Odour, air, farmland and inspection add
// themselves here.
import { water } from './water.js';
import { dumping } from './dumping.js';
import { farmland } from './farmland.js';
import { odour } from './odour.js';
import { air } from './air.js';
import { analysis } from './analysis.js';

export const features = [water, dumping, farmland, odour, air, analysis];
