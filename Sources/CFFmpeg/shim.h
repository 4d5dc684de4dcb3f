#ifndef SLUICE_CFFMPEG_SHIM_H
#define SLUICE_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libavutil/mathematics.h>
#include <libavutil/imgutils.h>

/// AVERROR(e) and the tag errors are macros Swift cannot import.
static inline int sluice_averror(int posixError) { return AVERROR(posixError); }
static inline int sluice_averror_eof(void) { return AVERROR_EOF; }
static inline int sluice_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int sluice_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int sluice_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int sluice_averror_encoder_not_found(void) { return AVERROR_ENCODER_NOT_FOUND; }
/// AV_NOPTS_VALUE is a cast expression, which Swift does not import.
static inline int64_t sluice_nopts_value(void) { return AV_NOPTS_VALUE; }
#endif
