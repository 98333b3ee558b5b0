export { startRecorders, type Recorders, type RecordersOptions } from './recorders.js';
export { RecordService, type RecordTask, type RecordTaskState } from './record-service.js';
