using System.Net;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.StreamKeys;

public sealed class SmokeTests
{
    [Fact]
    public async Task Host_answers_health_on_real_socket()
    {
        await using var host = StreamHubHost.Start();
        using var client = host.CreateHttpClient();
        var response = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
