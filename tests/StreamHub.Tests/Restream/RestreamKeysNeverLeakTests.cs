using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Restream;

/// <summary>The platforms' keys are secrets of other services: after targets are created, listed, changed and read
/// through every call, a distinctive key is in no file of the data directory (the database and its WAL included), in
/// nothing the process printed at the most verbose level, and in no API answer.</summary>
public sealed class RestreamKeysNeverLeakTests
{
    private const string AdminKey = "admin-key-for-restream-leak-test";

    [Fact]
    public async Task A_platform_key_is_in_no_file_no_log_line_and_no_api_answer()
    {
        var keys = new[] { "LeakCanaryKeyAlpha7Q2w9", "LeakCanaryKeyBravo4Z8x1", "LeakCanaryKeyCharlie5M3v6", "LeakCanaryKeyDelta2K7p4", "LeakCanaryKeyEcho8R5t3" };
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = AdminKey;
        settings["StreamHub__Logging__MinimumLevel"] = "Verbose";
        var dataDirectory = settings["StreamHub__DataDirectory"]!;
        var answers = new StringBuilder();
        await using (var server = StreamHubProcess.Start(settings))
        {
            await server.WaitUntilReadyAsync();
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
            async Task<HttpResponseMessage> Record(Task<HttpResponseMessage> call)
            {
                var response = await call;
                answers.AppendLine(await response.Content.ReadAsStringAsync());
                return response;
            }

            var created = await Record(client.PostAsJsonAsync("/api/streams", new { name = "leakcheck" }));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var streamKey = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("key").GetString()!;
            Assert.Equal(HttpStatusCode.Created, (await Record(client.PostAsJsonAsync("/api/streams/leakcheck/targets",
                new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = keys[0] }))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await Record(client.PostAsJsonAsync("/api/streams/leakcheck/targets",
                new { name = "twitch", url = $"rtmp://live.twitch.tv/app/{keys[1]}?bandwidthtest=true" }))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await Record(client.PostAsJsonAsync("/api/streams/leakcheck/targets",
                new { name = "facebook", url = "rtmps://live-api-s.facebook.com:443/rtmp/", key = keys[2], allowUntrustedCertificate = true }))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Record(client.PatchAsync("/api/streams/leakcheck/targets/facebook",
                JsonContent.Create(new { key = keys[3], enabled = false })))).StatusCode);
            // Refused requests carrying a key (a bad URL, a duplicate name) must not echo it either.
            Assert.Equal(HttpStatusCode.BadRequest, (await Record(client.PostAsJsonAsync("/api/streams/leakcheck/targets",
                new { name = "bad", url = $"rtmp://host:99999/app/{keys[0]}" }))).StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await Record(client.PostAsJsonAsync("/api/streams/leakcheck/targets",
                new { name = "youtube", url = "rtmp://a.rtmp.youtube.com/live2", key = keys[0] }))).StatusCode);
            // A target the pusher really speaks to while the stream is live: this server itself, which refuses the
            // canary key. The key then goes through the pusher, over the wire and through the receiving session.
            Assert.Equal(HttpStatusCode.Created, (await Record(client.PostAsJsonAsync("/api/streams/leakcheck/targets",
                new { name = "self", url = $"rtmp://127.0.0.1:{server.RtmpPort}/live", key = keys[4] }))).StatusCode);
            var publish = await ExternalProcess.RunAsync(ExternalProcess.Require("ffmpeg", "ffmpeg"),
                ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15", "-t", "4",
                 "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-f", "flv", $"rtmp://127.0.0.1:{server.RtmpPort}/live/{streamKey}"],
                TimeSpan.FromSeconds(60));
            Assert.Equal(0, publish.ExitCode);
            await server.WaitForOutputAsync("self (127.0.0.1): failed");
            await Record(client.GetAsync("/api/streams/leakcheck/targets"));
            await Record(client.GetAsync("/api/streams/leakcheck/targets/twitch"));
            await Record(client.GetAsync("/api/streams/leakcheck"));
            await Record(client.GetAsync("/api/streams"));
            await Record(client.GetAsync("/swagger/v1/swagger.json"));
            await Record(client.GetAsync("/metrics"));
            await server.WaitForOutputAsync("(live-api-s.facebook.com) changed");

            Assert.Contains("(a.rtmp.youtube.com) added", server.Output);
            Assert.Contains("Q2w9", answers.ToString()); // the hint is there; the key is not
            foreach (var key in keys)
            {
                Assert.DoesNotContain(key, server.Output, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(key, answers.ToString(), StringComparison.OrdinalIgnoreCase);
            }
        }

        // Every file the server left in its data directory, the SQLite database and its WAL and the key ring included,
        // as bytes in UTF-8 and UTF-16 (SQLite can store text in either).
        var files = Directory.GetFiles(dataDirectory, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => Path.GetFileName(f) == "streamhub.db");
        Assert.Contains(files, f => f.Contains(Path.Combine("dataprotection-keys", "key-")));
        // The grep sees what is stored in clear: the targets' hosts are there, so a key stored in clear would be found too.
        Assert.Contains(files, f => IndexOf(File.ReadAllBytes(f), Encoding.UTF8.GetBytes("live-api-s.facebook.com")) >= 0);
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var key in keys)
            {
                Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes(key)) < 0, $"{key} is in {file}");
                Assert.True(IndexOf(bytes, Encoding.Unicode.GetBytes(key)) < 0, $"{key} (UTF-16) is in {file}");
            }
        }
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
