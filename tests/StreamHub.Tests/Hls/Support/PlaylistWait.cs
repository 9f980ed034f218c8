using System.Net;

namespace StreamHub.Tests.Hls.Support;

/// <summary>Polls a stream's media playlist until it says what a test waits for.</summary>
public static class PlaylistWait
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Polls <c>/hls/{name}/index.m3u8</c> through <paramref name="client"/> (its base address the server)
    /// until <paramref name="done"/> holds for the playlist text, and returns it; fails with the last text it saw.</summary>
    public static async Task<string> UntilAsync(HttpClient client, string name, Func<string, bool> done, TimeSpan? timeout = null)
    {
        var last = "";
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync($"/hls/{name}/index.m3u8");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                last = await response.Content.ReadAsStringAsync();
                if (done(last))
                {
                    return last;
                }
            }
            await Task.Delay(100);
        }
        Assert.Fail($"The playlist of {name} never reached the expected state. Last:\n{last}");
        return last;
    }

    /// <summary>Until the playlist lists a segment.</summary>
    public static Task<string> UntilSegmentAsync(HttpClient client, string name, TimeSpan? timeout = null) =>
        UntilAsync(client, name, p => p.Contains("#EXTINF:", StringComparison.Ordinal), timeout);
}
