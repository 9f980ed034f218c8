using StreamHub.Diagnostics;

namespace StreamHub.Tests.Diagnostics;

public sealed class RequestLogPropertiesTests
{
    [Theory]
    [InlineData("/idle/okyMTUliOBvapWBaX0dHfg/7", "/idle/*/7")]
    [InlineData("/send/okyMTUliOBvapWBaX0dHfg/0", "/send/*/0")]
    [InlineData("/close/okyMTUliOBvapWBaX0dHfg", "/close/*")]
    [InlineData("/open/1", "/open/1")]
    [InlineData("/hls/idle/index.m3u8", "/hls/idle/index.m3u8")]
    public void The_rtmpt_session_id_is_masked_in_request_log_paths(string path, string logged)
    {
        Assert.Equal(logged, RequestLogProperties.WithoutTunnelId(path));
    }
}
