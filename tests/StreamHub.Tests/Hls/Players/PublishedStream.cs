using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls.Players;

/// <summary>A stream published live to StreamHub by ffmpeg with a fixed keyframe interval.</summary>
public sealed record PublishedStream(int GopFrames, string Name, Uri Playlist, BackgroundProcess Publisher)
{
    public string Label => $"GOP {LivePublisher.GopSeconds(GopFrames)}";
}
