using System.Net;
using StreamHub.Tests.Infrastructure;

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

    /// <summary>Polls <paramref name="playlist"/> until it lists <paramref name="count"/> segments, failing at once
    /// with the publisher's output if the publisher exits.</summary>
    public static async Task UntilSegmentsAsync(Uri playlist, int count, BackgroundProcess publisher, TimeSpan? timeout = null)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            publisher.AssertRunning();
            using var response = await client.GetAsync(playlist);
            if (response.IsSuccessStatusCode
                && (await response.Content.ReadAsStringAsync()).Split('\n').Count(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)) >= count)
            {
                return;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"No {count} segments within {limit.TotalSeconds} s at {playlist}\n{publisher.Output}");
    }
}
