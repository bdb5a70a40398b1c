import { IsBoolean, IsDate, IsNumber, IsOptional, IsString } from 'class-validator';
import { APIRouter, App, type AppOptions, Body, Controller, Get, Path, Post, Query } from '@fastts/core';
import { openapiDocument, serveDocs, type OpenAPIDocument } from '@fastts/openapi';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
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

// Callbacks shared by routers, as FastAPI's APIRouter(callbacks=...) and
// include_router(..., callbacks=...): every route included through them gets them.

class ShippingCallbacks {
  @Post('{$request.query.callback_url}/shipping')
  shipmentSent(@Body() _body: InvoiceEvent): void {}
}

class PaymentCallbacks {
  @Post('{$request.query.callback_url}/payments', { responseModel: InvoiceEventReceived })
  paymentReceived(@Body() _body: InvoiceEvent): void {}
}

class AuditCallbacks {
  @Post('{$request.header.x-audit-url}/entries')
  auditEntry(@Body() _body: InvoiceEvent): void {}
}

class OrderCallbacks {
  @Post('{$request.query.callback_url}/orders/{$response.body#/id}')
  orderUpdated(@Body() _body: InvoiceEvent): void {}
}

@Controller('/orders')
class Orders {
  // AuditCallbacks is the router's too: documented once, where the router puts it.
  @Post('', { callbacks: [InvoiceCallbacks, AuditCallbacks] })
  create(@Body() invoice: Invoice, @Query('callback_url', { optional: true }) _callbackUrl?: string) {
    return { id: invoice.id };
  }

  @Get('/{order_id}')
  read(@Path('order_id') orderId: string) {
    return { id: orderId };
  }
}

// From the outside in: the app's include, the outer router, the inner router, the include into it, the route.
const shop = new APIRouter({ prefix: '/shop', callbacks: [AuditCallbacks] }).include(Orders, { callbacks: [OrderCallbacks] });
const v1 = new APIRouter({ prefix: '/v1', callbacks: [PaymentCallbacks] }).include(shop);
const routersApp = (options: AppOptions = { logger: false }) => serveDocs(new App(options).include(v1, { callbacks: [ShippingCallbacks] }));

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

  it("documents include and router callbacks on every operation they include, outermost first, then the route's own; none is routed", async () => {
    const warn = vi.fn();
    const logger = { warn, info: vi.fn(), error: vi.fn(), debug: vi.fn(), child: () => logger } as unknown as AppOptions['logger'];
    client = await LiveTestClient.start(routersApp({ logger }));
    const doc = (await client.get('/openapi.json')).json() as OpenAPIDocument;
    await expectValidOpenAPI(doc);
    const create = doc.paths['/v1/shop/orders']!['post']!;
    const read = doc.paths['/v1/shop/orders/{order_id}']!['get']!;
    // FastAPI's order: the app's include, each router (after the include that brings it), each include into it, the route.
    const shared = ['shipmentSent', 'paymentReceived', 'auditEntry', 'orderUpdated'];
    expect(Object.keys(create.callbacks!)).toEqual([...shared, 'invoiceNotification']);
    expect(Object.keys(read.callbacks!)).toEqual(shared);
    expect(Object.keys(read)).toEqual(['summary', 'operationId', 'parameters', 'callbacks', 'responses']);
    expect(read.callbacks!['paymentReceived']).toEqual({
      '{$request.query.callback_url}/payments': {
        post: {
          summary: 'Payment Received',
          operationId: 'paymentReceived__request_query_callback_url__payments_post',
          requestBody: jsonBody('InvoiceEvent'),
          responses: {
            200: { description: 'Successful Response', content: { 'application/json': { schema: { $ref: '#/components/schemas/InvoiceEventReceived' } } } },
            422: validationError,
          },
        },
      },
    });
    // The same callback under two operations is the same operation, not a duplicate to warn of.
    for (const name of shared) expect(create.callbacks![name], name).toEqual(read.callbacks![name]);
    expect(warn).not.toHaveBeenCalled();
    // The routes are served where the routers put them; no callback expression is a path of this app.
    expect((await client.post('/v1/shop/orders', { json: { id: 'o1', customer: 'Morty', total: 9.5 } })).json()).toEqual({ id: 'o1' });
    expect((await client.get('/v1/shop/orders/o1')).json()).toEqual({ id: 'o1' });
    const event = { description: 'Invoice paid', paid: true };
    const expressions = Object.values(create.callbacks!).flatMap((callback) => Object.keys(callback));
    expect(expressions).toHaveLength(5);
    for (const expression of expressions) {
      for (const path of [`/${encodeURIComponent(expression)}`, `/v1/shop/${encodeURIComponent(expression)}`, expression.replace(/\{[^}]*\}/g, '').replace(/^\/*/, '/')]) {
        expect((await client.post(path, { json: event })).status, path).toBe(404);
      }
    }
  });

  it("leaves the controller's own callbacks as declared: including it elsewhere adds nothing", () => {
    const alone = openapiDocument(new App({ logger: false }).include(Orders));
    expect(Object.keys(alone.paths['/orders']!['post']!.callbacks!)).toEqual(['invoiceNotification', 'auditEntry']);
    expect(alone.paths['/orders/{order_id}']!['get']!).not.toHaveProperty('callbacks');
    // Two includes of one router, with different callbacks, each document their own.
    const twice = openapiDocument(new App({ logger: false }).include(shop, { prefix: '/a', callbacks: [ShippingCallbacks] }).include(shop, { prefix: '/b' }));
    expect(Object.keys(twice.paths['/a/shop/orders/{order_id}']!['get']!.callbacks!)).toEqual(['shipmentSent', 'auditEntry', 'orderUpdated']);
    expect(Object.keys(twice.paths['/b/shop/orders/{order_id}']!['get']!.callbacks!)).toEqual(['auditEntry', 'orderUpdated']);
  });

  it('documents a callback class shared by two routes without warning of duplicate operation ids', () => {
    @Controller()
    class Shared {
      @Post('/a', { callbacks: [InvoiceCallbacks] })
      a() {
        return {};
      }

      @Post('/b', { callbacks: [InvoiceCallbacks] })
      b() {
        return {};
      }
    }
    const warn = vi.fn();
    const logger = { warn, info: vi.fn(), error: vi.fn(), debug: vi.fn(), child: () => logger } as unknown as AppOptions['logger'];
    const doc = openapiDocument(new App({ logger }).include(Shared));
    expect(doc.paths['/a']!['post']!.callbacks).toEqual(doc.paths['/b']!['post']!.callbacks);
    expect(warn).not.toHaveBeenCalled();
  });
});
