/// In-process recording of producers to WebM, MP4, MKV and HLS.
///
/// Packets arrive from the engine's producer taps, cross to a recorder thread through a bounded
/// queue, are reordered and depacketised into frames, placed on one timeline and muxed with
/// libavformat. libavcodec is used only where a container needs a codec the source does not carry.
public enum SluiceRecorderModule {}
