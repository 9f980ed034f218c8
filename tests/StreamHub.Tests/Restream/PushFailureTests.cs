using System.Net.Sockets;
using StreamHub.Restream;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Client;
using StreamHub.Rtmp.Commands;

namespace StreamHub.Tests.Restream;

public sealed class PushFailureTests
{
    private const string Key = "live_123456_SECRETkey";
    private static readonly RestreamTarget Twitch = new(1, "s", "twitch", RestreamScheme.Rtmp, "live.twitch.tv", 1935, "app",
        Key + "?bandwidthtest=true", true, false);

    [Fact]
    public void A_refused_publish_is_lasting_and_names_the_code_and_the_description_without_the_key()
    {
        var reply = new RtmpCommand(CommandNames.OnStatus, 0, null,
            [new AmfObject { ["level"] = "error", ["code"] = "NetStream.Publish.BadName", ["description"] = $"Stream {Key} is not valid" }]);
        var failure = PushFailure.Of(new RtmpClientException(RtmpClientError.PublishRefused, "publish refused", reply), Twitch, wasLive: false);
        Assert.True(failure.Lasting);
        Assert.Contains("NetStream.Publish.BadName", failure.Error);
        Assert.Contains("is not valid", failure.Error);
        Assert.DoesNotContain(Key, failure.Error);
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, false, "connection refused by live.twitch.tv:1935")]
    [InlineData(SocketError.HostNotFound, false, "DNS: the name live.twitch.tv could not be resolved")]
    [InlineData(SocketError.ConnectionReset, true, "the connection was reset mid-stream")]
    public void Socket_errors_read_as_words(SocketError error, bool wasLive, string expected)
    {
        var failure = PushFailure.Of(new IOException("x", new SocketException((int)error)), Twitch, wasLive);
        Assert.False(failure.Lasting);
        Assert.StartsWith(expected, failure.Error);
    }

    [Fact]
    public void An_untrusted_certificate_is_lasting_and_points_at_the_opt_out()
    {
        var failure = PushFailure.Of(new RtmpClientException(RtmpClientError.CertificateNotTrusted, "TLS: the certificate of h is not trusted (RemoteCertificateChainErrors)"),
            Twitch, wasLive: false);
        Assert.True(failure.Lasting);
        Assert.Contains("AllowUntrustedCertificate", failure.Error);
    }
}
