using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;

namespace StreamHub.Restream;

public static class RestreamTargetExtensions
{
    /// <summary>The folder of the data directory that holds the Data Protection key ring. Back it up with the database:
    /// without it the stored platform keys cannot be decrypted.</summary>
    public const string KeyRingFolder = "dataprotection-keys";

    /// <summary>Fixed, so the key ring stays valid whatever folder the binary runs from (Data Protection's default
    /// discriminator is the content root path).</summary>
    public const string ApplicationName = "StreamHub";

    /// <summary>The restream targets' store and its encryption. The pusher (AddRestreamPusher) registers the real
    /// <see cref="IRestreamControl"/>; without it a no-op one answers.</summary>
    public static WebApplicationBuilder AddRestreamTargets(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        builder.Services.AddOptions<KeyManagementOptions>().Configure<IOptions<ServerOptions>, ILoggerFactory>((options, server, loggers) =>
            options.XmlRepository = new FileSystemXmlRepository(CreateKeyRingDirectory(server.Value), loggers));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RestreamKeyProtector>();
        builder.Services.AddSingleton<RestreamTargetStore>();
        builder.Services.AddSingleton<IRestreamTargetStore>(services => services.GetRequiredService<RestreamTargetStore>());
        builder.Services.TryAddSingleton<IRestreamControl, NoRestreamControl>();
        return builder;
    }

    public static string KeyRingDirectory(ServerOptions server) => Path.Combine(server.ResolveDataDirectory(), KeyRingFolder);

    /// <summary>Readable by the server's user only: on Linux the key files themselves are not encrypted at rest.</summary>
    private static DirectoryInfo CreateKeyRingDirectory(ServerOptions server)
    {
        var path = KeyRingDirectory(server);
        return OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
