// kafkajs's `require('./sendMessages')` under Jest (jest.config.js moduleNameMapper): Jest's
// module registry ignores require.cache, where src/stream/send-messages.ts installs it otherwise.
// The flag tells that module it is mapped here, so it does not install itself (a service process
// a test starts inherits the test's environment, so no environment variable can say this).
globalThis[Symbol.for('fraud.kafkajs-send-mapped')] = true;
module.exports = require('../../src/stream/send-messages').createSendMessages;
