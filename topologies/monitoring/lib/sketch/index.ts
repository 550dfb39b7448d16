export { DDSketch, type DDSketchOptions, DEFAULT_MAX_BINS, DEFAULT_RELATIVE_ACCURACY } from './ddsketch.js';
export { decodeSketch, encodeSketch, SKETCH_FORMAT_VERSION } from './sketch-codec.js';
