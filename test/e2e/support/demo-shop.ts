import type { Page } from 'playwright-core';

/** The user the scenarios sign up as. */
export const DEMO_USER = {
  displayName: 'Ada Lovelace',
  email: 'ada@example.com',
  password: 'correct horse battery staple',
  plan: 'pro',
} as const;

/** The card number {@link DemoShop.placeOrder} types (a test number; it must never be sent). */
export const DEMO_CARD_NUMBER = '4242424242424242';

/** The id the demo shop identifies a signed-up user with. */
export const demoUserId = (email: string): string => `user-${email.toLowerCase()}`;

/** Drives the demo shop (sdk-web/demo) in a page, whichever server serves it. */
export class DemoShop {
  readonly page: Page;
  /** Origin serving `/demo/` and `/sdk/tributary.js`, e.g. `http://127.0.0.1:8080`. */
  readonly origin: string;
  constructor(page: Page, origin: string) {
    this.page = page;
    this.origin = origin;
  }

  /** Load a demo path and wait until the SDK has replaced its stub. */
  async open(path = '/demo/'): Promise<void> {
    await this.page.goto(this.origin + path);
    await this.sdkReady();
  }

  async sdkReady(): Promise<void> {
    await this.page.waitForFunction(() => {
      const sdk = (window as { tributary?: object }).tributary;
      return !!sdk && !('q' in sdk);
    });
  }

  async openProduct(name: string): Promise<void> {
    await this.page.locator('a.product-link', { hasText: name }).click();
    await this.page.waitForURL(/\/demo\/product\//);
  }

  /** On a product page: its "Add to cart" button. */
  async addToCart(): Promise<void> {
    await this.page.locator('article.product button.add-to-cart').click();
    await this.page.locator('article.product button.add-to-cart', { hasText: 'Added' }).waitFor();
  }

  async goToCart(): Promise<void> {
    await this.page.locator('#cart-link').click();
    await this.page.waitForURL('**/demo/cart');
  }

  async goToCheckout(): Promise<void> {
    await this.page.locator('a.checkout-link').click();
    await this.page.waitForURL('**/demo/checkout');
  }

  /** On the checkout page: fill the form and place the order (the shop tracks "Order completed"). */
  async placeOrder(): Promise<void> {
    await this.page.fill('input[name=full_name]', DEMO_USER.displayName);
    await this.page.fill('input[name=address]', '12 St James’s Square, London');
    await this.page.fill('input[name=card_number]', DEMO_CARD_NUMBER);
    await this.page.click('#place-order');
    await this.page.waitForURL('**/demo/checkout/complete');
  }

  /** Open the sign-up page, fill the form and press `#signup-button` (the shop then identifies). */
  async signUp(user: { displayName: string; email: string; password: string; plan: string } = DEMO_USER): Promise<void> {
    await this.page.locator('#signup-link').click();
    await this.page.waitForURL('**/demo/signup');
    await this.page.fill('input[name=display_name]', user.displayName);
    await this.page.fill('input[name=email]', user.email);
    await this.page.fill('input[name=password]', user.password);
    await this.page.selectOption('select[name=plan]', user.plan);
    await this.page.click('#signup-button');
    await this.page.waitForURL('**/demo/welcome');
  }

  /** Press the footer's "Throw an error" button (the error is thrown from a timer, uncaught). */
  async throwError(): Promise<void> {
    await this.page.click('#throw-error');
  }

  /** Ask the SDK to send its queue now instead of after its flush interval. */
  async flush(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { tributary: { flush(): void } }).tributary.flush());
  }
}
