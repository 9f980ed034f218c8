namespace StreamHub.Recording;

/// <summary>Body of <c>PUT /api/streams/{name}/recording</c>: the stream's own recording settings, replaced whole.</summary>
/// <param name="Enabled">true records the stream, false never does, null (or absent) follows StreamHub:Recording:Enabled.
/// A live stream starts or stops recording at once.</param>
/// <param name="MaxMegabytes">Most megabytes the stream's recordings may take (0: no limit); null (or absent):
/// StreamHub:Recording:MaxStreamMegabytes.</param>
public sealed record RecordingSettingsRequest(bool? Enabled, long? MaxMegabytes);
