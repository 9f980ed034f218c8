using Microsoft.OpenApi;
using StreamHub.Security;

namespace StreamHub.Diagnostics;

/// <summary>The API description at <c>/swagger/v1/swagger.json</c> and its UI at <c>/swagger</c>, with the admin key
/// scheme so "Authorize" works for every call.</summary>
public static class SwaggerExtensions
{
    public const string SchemeName = "AdminApiKey";

    public static WebApplicationBuilder AddStreamHubSwagger(this WebApplicationBuilder builder)
    {
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "StreamHub API",
                Version = "v1",
                Description = "Manage stream keys and watch what the server is doing. Every call needs the admin key in the X-Api-Key header.",
            });
            options.AddSecurityDefinition(SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = AdminApiKey.HeaderName,
                Description = "The admin API key (StreamHub:Admin:ApiKey, or the one generated into the data directory on first start).",
            });
            options.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(SchemeName, document)] = [],
            });
            var xml = Path.Combine(AppContext.BaseDirectory, "StreamHub.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml);
            }
        });
        return builder;
    }

    public static WebApplication UseStreamHubSwagger(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "StreamHub API v1");
            options.DocumentTitle = "StreamHub API";
        });
        return app;
    }
}
