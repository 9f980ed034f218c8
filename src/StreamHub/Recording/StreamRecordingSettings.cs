namespace StreamHub.Recording;

/// <summary>A stream's own recording settings (null: the server-wide ones).</summary>
/// <param name="Enabled">Record this stream; null: as StreamHub:Recording:Enabled says.</param>
/// <param name="MaxMegabytes">Most megabytes this stream's recordings may take; null: StreamHub:Recording:MaxStreamMegabytes.</param>
public sealed record StreamRecordingSettings(bool? Enabled, long? MaxMegabytes)
{
    public static readonly StreamRecordingSettings Default = new(null, null);
}
