namespace StreamHub.Security;

public static class SecurityExtensions
{
    public static WebApplicationBuilder AddAdminAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        builder.Services.AddSingleton<AdminApiKey>();
        builder.Services.AddSingleton<AdminApiKeyFilter>();
        return builder;
    }
}
