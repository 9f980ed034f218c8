namespace StreamHub.Tests.Hls.Fmp4;

/// <summary>One sample of a <c>trun</c> with every default resolved (from <c>tfhd</c>, <c>trex</c> and
/// first_sample_flags), and where its bytes are.</summary>
public readonly record struct RunSample(uint Duration, uint Size, uint Flags, int CompositionOffset, long DecodeTime, int DataOffset);
