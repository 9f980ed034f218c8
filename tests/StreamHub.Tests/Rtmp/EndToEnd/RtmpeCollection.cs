namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>The RTMPE classes share one server (<see cref="RtmpeServerFixture"/>) and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RtmpeCollection : ICollectionFixture<RtmpeServerFixture>
{
    public const string Name = "RTMPE";
}
