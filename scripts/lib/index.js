'use strict';
// The harness shared by `npm start` (scripts/start.js) and the end-to-end tests (test/support/).
module.exports = {
  ...require('./child'),
  ...require('./net'),
  ...require('./package'),
  ...require('./n8n-rest'),
  ...require('./n8n'),
  ...require('./n8n-worker'),
  ...require('./n8n-instance'),
  ...require('./sidecar'),
};
