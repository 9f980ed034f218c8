using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;

namespace StreamHub.Security;

/// <summary>The admin API key: from settings, else from <c>{DataDirectory}/admin-api-key</c>, else generated there on
/// first start and printed once to the console. Only its SHA-256 is kept in memory for comparison.</summary>
public sealed partial class AdminApiKey
{
    public const string HeaderName = "X-Api-Key";
    public const string FileName = "admin-api-key";

    private readonly byte[] _hash;

    public AdminApiKey(IOptions<AdminOptions> admin, IOptions<ServerOptions> server, ILogger<AdminApiKey> logger)
    {
        var configured = admin.Value.ApiKey;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            _hash = Hash(configured);
            return;
        }

        var path = Path.Combine(server.Value.ResolveDataDirectory(), FileName);
        if (File.Exists(path))
        {
            _hash = Hash(File.ReadAllText(path).Trim());
            LogFromFile(logger, path);
            return;
        }

        var key = Secrets.NewToken(32);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, key + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        _hash = Hash(key);
        // Printed once, straight to the console and not through the log pipeline, so it is not shipped to log stores.
        Console.Out.WriteLine();
        Console.Out.WriteLine("==================================================================================");
        Console.Out.WriteLine($" StreamHub generated an admin API key (shown once, stored in {path}):");
        Console.Out.WriteLine($"   {key}");
        Console.Out.WriteLine($" Send it as the {HeaderName} header on /api calls, or paste it into /swagger's Authorize.");
        Console.Out.WriteLine("==================================================================================");
        Console.Out.WriteLine();
        Console.Out.Flush();
        LogGenerated(logger, path);
    }

    public bool Matches(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(Hash(presented), _hash);
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generated a new admin API key into {Path} (printed above, once); set StreamHub:Admin:ApiKey to choose your own")]
    private static partial void LogGenerated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin API key read from {Path}")]
    private static partial void LogFromFile(ILogger logger, string path);
}
