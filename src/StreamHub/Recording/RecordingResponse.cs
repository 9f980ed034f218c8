namespace StreamHub.Recording;

/// <summary>One recording in the API.</summary>
/// <param name="Id">The file name, which is the recording's id in the URLs.</param>
/// <param name="Start">When the recording started (UTC, from the file name).</param>
/// <param name="DurationSeconds">Media time of its whole fragments.</param>
/// <param name="Bytes">File size.</param>
/// <param name="Codecs">The tracks' codecs, as ffprobe names them (h264, hevc, av1, aac).</param>
/// <param name="InProgress">Still being written.</param>
/// <param name="Url">Download (admin key, or a signed link's query string); supports range requests.</param>
/// <param name="PlaylistUrl">The recording as an HLS VOD playlist (byte ranges over the file).</param>
public sealed record RecordingResponse(string Id, DateTimeOffset Start, double DurationSeconds, long Bytes, string[] Codecs, bool InProgress,
    string Url, string PlaylistUrl)
{
    public static RecordingResponse From(string streamName, RecordingInfo info, bool inProgress) => new(info.Id, info.Start,
        Math.Round(info.DurationSeconds, 3), info.Bytes, info.Codecs, inProgress, RecordingEndpoints.FileUrl(streamName, info.Id),
        RecordingEndpoints.PlaylistUrl(streamName, info.Id));
}
