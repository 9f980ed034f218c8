using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;

namespace StreamHub.Recording;

/// <summary>Signed links to a recording: <c>?expires={unix seconds}&amp;sig={HMAC-SHA256}</c> over the stream, the
/// recording (its name without extension, so one link serves both the file and its HLS playlist) and the expiry.
/// The HMAC key is 32 random bytes generated into <c>{DataDirectory}/recording-link-key</c> on first use; deleting
/// that file revokes every link given out.</summary>
public sealed class RecordingLinks
{
    public const string FileName = "recording-link-key";

    private readonly byte[] _key;
    private readonly TimeProvider _time;

    public RecordingLinks(IOptions<ServerOptions> server, TimeProvider time)
    {
        _time = time;
        var path = Path.Combine(server.Value.ResolveDataDirectory(), FileName);
        if (File.Exists(path) && File.ReadAllBytes(path) is { Length: 32 } stored)
        {
            _key = stored;
            return;
        }
        _key = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, _key);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>The query string (without <c>?</c>) that lets anyone fetch the recording until <paramref name="expires"/>.</summary>
    public string Sign(string streamName, string id, DateTimeOffset expires)
    {
        var unix = expires.ToUnixTimeSeconds();
        return $"expires={unix}&sig={Signature(streamName, id, unix)}";
    }

    /// <summary>Whether a link's expiry and signature are valid for the recording now.</summary>
    public bool IsValid(string streamName, string id, string? expires, string? signature)
    {
        if (!long.TryParse(expires, out var unix) || string.IsNullOrEmpty(signature) || unix < _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Signature(streamName, id, unix));
        var presented = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    private string Signature(string streamName, string id, long unix)
    {
        var message = Encoding.UTF8.GetBytes($"{streamName}/{Path.GetFileNameWithoutExtension(id)}\n{unix}");
        return Convert.ToBase64String(HMACSHA256.HashData(_key, message)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
