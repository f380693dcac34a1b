// kafkajs's `require('./sendMessages')` under Jest (jest.config.js moduleNameMapper): Jest's
// module registry ignores require.cache, where src/stream/send-messages.ts installs it otherwise.
module.exports = require('../../src/stream/send-messages').createSendMessages;
