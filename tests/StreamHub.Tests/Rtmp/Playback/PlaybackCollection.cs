namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>The playback classes that play the one live stream of <see cref="PlaybackServerFixture"/>: one server and
/// one publisher for all of them, the classes run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PlaybackCollection : ICollectionFixture<PlaybackServerFixture>
{
    public const string Name = "RTMP playback";
}
