using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace StreamHub.Restream;

/// <summary>Encrypts the platforms' keys for the database with ASP.NET Core Data Protection. StreamHub has to send
/// these keys, so a hash would not do. With SQLite the key ring lives apart from the database
/// (<c>{DataDirectory}/dataprotection-keys/</c>), so a copy of the database alone does not give the keys away; with
/// PostgreSQL it lives in the database, because every node sharing it must decrypt what any node encrypted.</summary>
public sealed class RestreamKeyProtector(IDataProtectionProvider provider)
{
    /// <summary>Isolates these payloads from any other use of the key ring; the version lets a later format coexist.</summary>
    public const string Purpose = "StreamHub.Restream.TargetKey.v1";

    public const int MaxHintLength = 4;

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public byte[] Protect(string key)
    {
        var plain = Encoding.UTF8.GetBytes(key);
        try
        {
            return _protector.Protect(plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>False when the key ring that encrypted it is gone or changed (the data directory was not restored with
    /// the database, the database's key ring table was emptied, or the application name changed): the target needs its key entered again.</summary>
    public bool TryUnprotect(byte[] protectedKey, [NotNullWhen(true)] out string? key)
    {
        try
        {
            var plain = _protector.Unprotect(protectedKey);
            key = Encoding.UTF8.GetString(plain);
            CryptographicOperations.ZeroMemory(plain);
            return true;
        }
        catch (CryptographicException)
        {
            key = null;
            return false;
        }
    }

    public bool CanUnprotect(byte[] protectedKey)
    {
        try
        {
            CryptographicOperations.ZeroMemory(_protector.Unprotect(protectedKey));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The end of the key for display: the last four characters of the key before any query string (Twitch's
    /// <c>?bandwidthtest=true</c> would otherwise hide it), never more than a quarter of it, so a short key is not
    /// given away.</summary>
    public static string Hint(string key)
    {
        var query = key.IndexOf('?');
        var name = query < 0 ? key : key[..query];
        var length = Math.Min(MaxHintLength, name.Length / 4);
        return name[^length..];
    }
}
