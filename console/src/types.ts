// The API's answers, typed from the very schemas the server validates them with (types only:
// nothing of the server reaches the bundle).
import type { z } from 'zod/v4';
import type * as s from '../../src/api/sluice/schemas.js';

type Out<T extends z.ZodType> = z.output<T>;
export type ServerInfo = Out<typeof s.ServerInfo>;
export type Stream = Out<typeof s.Stream>;
export type Session = Out<typeof s.Session>;
export type Figures = Out<typeof s.Figures>;
export type FigureHistory = Out<typeof s.FigureHistoryBody>;
export type CallbackBlock = Out<typeof s.CallbackBlock>;
export type Delivery = Out<typeof s.Delivery>;
export type CallbackTestResult = Out<typeof s.CallbackTestResult>;
export type RecordTask = Out<typeof s.RecordTask>;
export type RecordingFile = Out<typeof s.RecordingFile>;
