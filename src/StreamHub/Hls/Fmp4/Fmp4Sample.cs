namespace StreamHub.Hls.Fmp4;

/// <summary>One sample waiting in a fragment: its decode time and composition offset in the track's timescale, its
/// flags, and the payload (a reference to memory the caller keeps alive until the fragment is written). The duration
/// is not stored: it is the next sample's decode time minus this one's, known when the next sample arrives or when
/// the fragment is cut.</summary>
public readonly record struct Fmp4Sample(long DecodeTime, int CompositionOffset, uint Flags, ReadOnlyMemory<byte> Payload);
