/** Transport stream constants (ISO/IEC 13818-1); PIDs are the ones SRS uses. */
export const TS_PACKET_SIZE = 188;
export const SYNC_BYTE = 0x47;

export const PID_PAT = 0x0000;
export const PID_PMT = 0x1001;
export const PID_VIDEO = 0x0100;
export const PID_AUDIO = 0x0101;

export const STREAM_TYPE_H264 = 0x1b;
export const STREAM_TYPE_HEVC = 0x24;
export const STREAM_TYPE_AAC = 0x0f;
/** MP3 as MPEG-1 audio (32-48 kHz) or MPEG-2 audio (the lower sample rates), as SRS writes it. */
export const STREAM_TYPE_MPEG1_AUDIO = 0x03;
export const STREAM_TYPE_MPEG2_AUDIO = 0x04;

export const STREAM_ID_VIDEO = 0xe0;
export const STREAM_ID_AUDIO = 0xc0;

/** PTS, DTS and PCR base wrap at 2^33 ticks of 90 kHz. */
export const TIMESTAMP_WRAP = 2 ** 33;
