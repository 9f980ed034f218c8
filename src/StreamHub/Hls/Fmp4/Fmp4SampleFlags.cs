namespace StreamHub.Hls.Fmp4;

/// <summary>Sample flags of <c>trex</c>/<c>tfhd</c>/<c>trun</c> (ISO/IEC 14496-12 §8.8.3.1), the values ffmpeg's
/// movenc writes.
/// <code>
/// reserved(4) is_leading(2) sample_depends_on(2) | sample_is_depended_on(2) sample_has_redundancy(2) padding(3)
/// sample_is_non_sync_sample(1) | sample_degradation_priority(16)
/// </code></summary>
public static class Fmp4SampleFlags
{
    /// <summary>A sync sample: depends on no other (sample_depends_on = 2), is_non_sync = 0. Keyframes and every
    /// audio frame.</summary>
    public const uint Sync = 0x02000000;

    /// <summary>A sample that depends on others (sample_depends_on = 1) and is not a sync sample.</summary>
    public const uint NonSync = 0x01010000;
}
