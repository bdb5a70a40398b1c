import { IsBoolean, IsDate, IsNumber, IsOptional, IsString } from 'class-validator';
import { App, Body, Controller, Get, Post, Query } from '@fastts/core';
import { serveDocs, type OpenAPIDocument } from '@fastts/openapi';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { expectValidOpenAPI } from './validate.js';

// Webhooks and callbacks: requests the app sends, documented as FastAPI's
// openapi_webhooks and openapi_callbacks tutorials document them, from classes
// whose routes are compiled for the document and never routed.

const validationError = { description: 'Validation Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/HTTPValidationError' } } } };
const jsonBody = (name: string) => ({ required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } });

class Subscription {
  @IsString()
  username!: string;

  @IsNumber()
  monthly_fee!: number;

  @IsDate()
  start_date!: Date;
}

/** Not a controller: `include()` refuses it, so nothing can route it. */
class SubscriptionWebhooks {
  @Post('new-subscription', {
    description: "When a new user subscribes to your service we'll send you a POST request with this data to the URL that you register for the event `new-subscription` in the dashboard.",
  })
  newSubscription(@Body() _body: Subscription): void {}
}

@Controller()
class Users {
  @Get('/users/')
  readUsers() {
    return ['Rick', 'Morty'];
  }
}

const webhooksApp = () => serveDocs(new App({ logger: false }).include(Users), { webhooks: [SubscriptionWebhooks] });

class Invoice {
  @IsString()
  id!: string;

  @IsOptional()
  @IsString()
  title?: string;

  @IsString()
  customer!: string;

  @IsNumber()
  total!: number;
}

class InvoiceEvent {
  @IsString()
  description!: string;

  @IsBoolean()
  paid!: boolean;
}

class InvoiceEventReceived {
  @IsBoolean()
  ok!: boolean;
}

class InvoiceCallbacks {
  @Post('{$request.query.callback_url}/invoices/{$request.body#/id}', { responseModel: InvoiceEventReceived })
  invoiceNotification(@Body() _body: InvoiceEvent): void {}
}

@Controller()
class Invoices {
  @Post('/invoices/', { callbacks: [InvoiceCallbacks] })
  createInvoice(@Body() _invoice: Invoice, @Query('callback_url', { optional: true }) _callbackUrl?: string) {
    // Send the invoice, collect the money, then call the API user back at callback_url.
    return { msg: 'Invoice received' };
  }
}

let client: LiveTestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

describe('webhooks and callbacks', () => {
  it('documents a webhook under `webhooks`, path-less, its body schema in components; its name is no route', async () => {
    client = await LiveTestClient.start(webhooksApp());
    const doc = (await client.get('/openapi.json')).json() as OpenAPIDocument;
    await expectValidOpenAPI(doc);
    expect(Object.keys(doc)).toEqual(['openapi', 'info', 'paths', 'webhooks', 'components']);
    expect(Object.keys(doc.paths)).toEqual(['/users/']);
    expect(doc.webhooks).toEqual({
      'new-subscription': {
        post: {
          summary: 'New Subscription',
          description: expect.stringContaining('the event `new-subscription`'),
          operationId: 'newSubscriptionnew_subscription_post',
          requestBody: jsonBody('Subscription'),
          responses: { 200: { description: 'Successful Response', content: { 'application/json': { schema: {} } } }, 422: validationError },
        },
      },
    });
    expect(doc.components!.schemas!['Subscription']).toMatchObject({ required: ['username', 'monthly_fee', 'start_date'], title: 'Subscription' });
    // The webhook is sent by the app, never received: no route answers its name.
    const sent = { username: 'rick', monthly_fee: 9.5, start_date: '2024-01-01T00:00:00Z' };
    for (const path of ['/new-subscription', '/new-subscription/']) expect((await client.post(path, { json: sent })).status, path).toBe(404);
    expect(() => new App().include(SubscriptionWebhooks)).toThrow('SubscriptionWebhooks is not decorated with @Controller');
  });

  it("documents a route's callbacks under the operation, keyed by method name and expression; the callback is no route", async () => {
    client = await LiveTestClient.start(serveDocs(new App({ logger: false }).include(Invoices)));
    const doc = (await client.get('/openapi.json')).json() as OpenAPIDocument;
    await expectValidOpenAPI(doc);
    const operation = doc.paths['/invoices/']!['post']!;
    // FastAPI's key order: callbacks after the request body, before the responses.
    expect(Object.keys(operation)).toEqual(['summary', 'operationId', 'parameters', 'requestBody', 'callbacks', 'responses']);
    expect(operation.callbacks).toEqual({
      invoiceNotification: {
        '{$request.query.callback_url}/invoices/{$request.body#/id}': {
          post: {
            summary: 'Invoice Notification',
            operationId: 'invoiceNotification__request_query_callback_url__invoices___request_body__id__post',
            requestBody: jsonBody('InvoiceEvent'),
            responses: {
              200: { description: 'Successful Response', content: { 'application/json': { schema: { $ref: '#/components/schemas/InvoiceEventReceived' } } } },
              422: validationError,
            },
          },
        },
      },
    });
    expect(Object.keys(doc.components!.schemas!)).toEqual(['HTTPValidationError', 'Invoice', 'InvoiceEvent', 'InvoiceEventReceived', 'ValidationError']);
    expect(doc).not.toHaveProperty('webhooks');
    // The route itself is served; the callback's expression is not a path of this app.
    expect((await client.post('/invoices/', { json: { id: 'i1', customer: 'Morty', total: 9.5 } })).json()).toEqual({ msg: 'Invoice received' });
    const event = { description: 'Invoice paid', paid: true };
    for (const path of ['/invoices/i1', `/${encodeURIComponent('{$request.query.callback_url}')}/invoices/i1`, `/${encodeURIComponent('{$request.query.callback_url}/invoices/{$request.body#/id}')}`]) {
      expect((await client.post(path, { json: event })).status, path).toBe(404);
    }
  });
});
