using System.Net;

namespace StreamHub.Security;

/// <summary>Parsed allow and deny networks for one action. Deny wins; an empty allow list allows everyone.</summary>
public sealed class AddressRules
{
    private static readonly char[] Separators = [',', ' ', ';'];

    private readonly IPNetwork[] _allow;
    private readonly IPNetwork[] _deny;

    private AddressRules(IPNetwork[] allow, IPNetwork[] deny)
    {
        _allow = allow;
        _deny = deny;
    }

    public bool IsAllowed(IPAddress? address)
    {
        if (_allow.Length == 0 && _deny.Length == 0)
        {
            return true;
        }
        if (address is null)
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var network in _deny)
        {
            if (network.Contains(address))
            {
                return false;
            }
        }
        if (_allow.Length == 0)
        {
            return true;
        }
        foreach (var network in _allow)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Parses the option lists; <paramref name="errors"/> gets one message per bad entry, naming the setting.</summary>
    public static AddressRules Parse(AccessListOptions options, string settingPrefix, List<string> errors) =>
        new(ParseList(options.Allow, settingPrefix + ":Allow", errors), ParseList(options.Deny, settingPrefix + ":Deny", errors));

    public static IPNetwork[] ParseList(IEnumerable<string>? entries, string setting, List<string> errors)
    {
        var networks = new List<IPNetwork>();
        var index = 0;
        foreach (var entry in entries ?? [])
        {
            foreach (var part in (entry ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (TryParseNetwork(part, out var network))
                {
                    networks.Add(network);
                }
                else
                {
                    errors.Add($"{setting}[{index}]: '{part}' is not an IP address or a CIDR network such as 192.168.1.0/24 or 2001:db8::/32.");
                }
            }
            index++;
        }
        return [.. networks];
    }

    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }
        if (IPAddress.TryParse(text, out var address))
        {
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return false;
    }
}
