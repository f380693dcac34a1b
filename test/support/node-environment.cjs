// jest runs each test file in its own VM context, with its own Float32Array and friends. Native
// addons (onnxruntime-node) create typed arrays in the main context, and onnxruntime-common's
// `instanceof Float32Array` checks then fail inside tests only. Sharing the main context's
// typed array constructors makes tests see what production sees.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = ['ArrayBuffer', 'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array', 'BigInt64Array', 'BigUint64Array', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array'];

class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArraysEnvironment;
