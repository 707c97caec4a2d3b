/* global document, window, history, location, localStorage, sessionStorage, setTimeout, tributary */
// The demo shop: a tiny history-API single-page app, no framework. Every path under /demo/ is
// served this index.html; the route is read from location.pathname.
(function () {
  'use strict';

  var BASE = '/demo';
  var SHOP = ' · Tributary Shop';
  var PRODUCTS = [
    { id: 'river-kayak', name: 'River kayak', price: 899, blurb: 'A stable 3.2 m kayak for rivers and lakes.' },
    { id: 'carbon-paddle', name: 'Carbon paddle', price: 149, blurb: 'Light, stiff and adjustable from 210 to 230 cm.' },
    { id: 'dry-bag', name: 'Dry bag 20 L', price: 29, blurb: 'Keeps your lunch and phone dry when you are not.' },
    { id: 'life-vest', name: 'Life vest', price: 89, blurb: 'Comfortable buoyancy aid with two pockets.' },
  ];
  var app = document.getElementById('app');

  function findProduct(id) {
    return PRODUCTS.filter(function (p) {
      return p.id === id;
    })[0];
  }

  function loadCart() {
    try {
      return JSON.parse(localStorage.getItem('demo_cart') || '[]');
    } catch {
      return [];
    }
  }

  function saveCart(cart) {
    try {
      localStorage.setItem('demo_cart', JSON.stringify(cart));
    } catch {
      /* private mode */
    }
    document.getElementById('cart-count').textContent = String(cart.length);
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function money(amount) {
    return '$' + amount.toFixed(2);
  }

  function go(path) {
    history.pushState({}, '', path);
    render();
  }

  var pages = {
    list: function () {
      return {
        title: 'Products',
        html:
          '<h1>Products</h1><ul class="products">' +
          PRODUCTS.map(function (p) {
            return (
              '<li class="product-card" data-product="' +
              p.id +
              '">' +
              '<a class="product-link" href="' +
              BASE +
              '/product/' +
              p.id +
              '" data-link>' +
              escapeHtml(p.name) +
              '</a>' +
              '<span class="price">' +
              money(p.price) +
              '</span>' +
              '<button type="button" class="add-to-cart" data-product="' +
              p.id +
              '">Add to cart</button></li>'
            );
          }).join('') +
          '</ul>',
      };
    },
    product: function (id) {
      var p = findProduct(id);
      if (!p) return pages.notFound();
      return {
        title: p.name,
        properties: { product_id: p.id, product_name: p.name, price: p.price },
        html:
          '<article class="product"><h1>' +
          escapeHtml(p.name) +
          '</h1><p>' +
          escapeHtml(p.blurb) +
          '</p>' +
          '<p class="price">' +
          money(p.price) +
          '</p>' +
          '<button type="button" class="add-to-cart primary" data-product="' +
          p.id +
          '">Add to cart</button> ' +
          '<a href="' +
          BASE +
          '/cart" class="go-to-cart" data-link>Go to cart</a></article>',
      };
    },
    cart: function () {
      var cart = loadCart();
      var total = cart.reduce(function (sum, id) {
        return sum + (findProduct(id) || { price: 0 }).price;
      }, 0);
      return {
        title: 'Cart',
        properties: { cart_items: cart.length, cart_total: total },
        html:
          '<h1>Cart</h1>' +
          (cart.length
            ? '<ul class="cart">' +
              cart
                .map(function (id, index) {
                  var p = findProduct(id) || { name: id, price: 0 };
                  return (
                    '<li>' +
                    escapeHtml(p.name) +
                    ' <span class="price">' +
                    money(p.price) +
                    '</span> ' +
                    '<button type="button" class="remove-from-cart" data-index="' +
                    index +
                    '">Remove</button></li>'
                  );
                })
                .join('') +
              '</ul><p class="total">Total: ' +
              money(total) +
              '</p>' +
              '<a href="' +
              BASE +
              '/checkout" class="checkout-link button primary" data-link>Checkout</a>'
            : '<p>Your cart is empty. <a href="' + BASE + '/" data-link>Browse products</a></p>'),
      };
    },
    checkout: function () {
      return {
        title: 'Checkout',
        html:
          '<h1>Checkout</h1><form id="checkout-form" class="form">' +
          '<label>Full name <input name="full_name" autocomplete="name" required></label>' +
          '<label>Address <input name="address" autocomplete="street-address" required></label>' +
          '<fieldset data-tributary-mask><legend>Card</legend>' +
          '<label>Card number <input name="card_number" inputmode="numeric" autocomplete="cc-number" required></label>' +
          '</fieldset>' +
          '<button type="submit" id="place-order" class="primary">Place order</button></form>',
      };
    },
    orderComplete: function () {
      return { title: 'Thank you', html: '<h1>Thank you!</h1><p>Your order is on its way.</p>' };
    },
    signup: function () {
      return {
        title: 'Sign up',
        html:
          '<h1>Create your account</h1><form id="signup-form" class="form">' +
          '<label>Name <input name="display_name" autocomplete="name" required></label>' +
          '<label>Email <input name="email" type="email" autocomplete="email" required></label>' +
          '<label>Password <input name="password" type="password" autocomplete="new-password" required></label>' +
          '<label>Plan <select name="plan"><option value="free">Free</option><option value="pro">Pro</option></select></label>' +
          '<button type="submit" id="signup-button" class="primary">Sign up</button></form>',
      };
    },
    welcome: function () {
      var name = sessionStorage.getItem('demo_user_name') || 'friend';
      return {
        title: 'Welcome',
        html:
          '<h1>Welcome, <span data-tributary-mask>' +
          escapeHtml(name) +
          '</span>!</h1>' +
          '<p><a href="' +
          BASE +
          '/" data-link>Start shopping</a></p>',
      };
    },
    notFound: function () {
      return { title: 'Not found', html: '<h1>Not found</h1><p><a href="' + BASE + '/" data-link>Back to the shop</a></p>' };
    },
  };

  function route(path) {
    var rest = path.indexOf(BASE) === 0 ? path.slice(BASE.length) : path;
    var parts = rest.split('/').filter(Boolean);
    if (parts.length === 0) return pages.list();
    if (parts[0] === 'product' && parts.length === 2) return pages.product(decodeURIComponent(parts[1]));
    if (parts[0] === 'cart' && parts.length === 1) return pages.cart();
    if (parts[0] === 'checkout' && parts.length === 1) return pages.checkout();
    if (parts[0] === 'checkout' && parts[1] === 'complete') return pages.orderComplete();
    if (parts[0] === 'signup' && parts.length === 1) return pages.signup();
    if (parts[0] === 'welcome') return pages.welcome();
    return pages.notFound();
  }

  function render() {
    var page = route(location.pathname);
    app.innerHTML = page.html;
    document.title = page.title + SHOP;
    tributary.setPageProperties(Object.assign({ page_name: page.title }, page.properties || {}));
  }

  document.addEventListener('click', function (event) {
    var link = event.target.closest('a[data-link]');
    if (link && !event.metaKey && !event.ctrlKey && !event.shiftKey && event.button === 0) {
      event.preventDefault();
      if (link.getAttribute('href') !== location.pathname) go(link.getAttribute('href'));
      return;
    }
    var add = event.target.closest('.add-to-cart');
    if (add) {
      var cart = loadCart();
      cart.push(add.getAttribute('data-product'));
      saveCart(cart);
      add.textContent = 'Added ✓';
      return;
    }
    var remove = event.target.closest('.remove-from-cart');
    if (remove) {
      var items = loadCart();
      items.splice(Number(remove.getAttribute('data-index')), 1);
      saveCart(items);
      render();
    }
  });

  document.addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    if (form.id === 'signup-form') {
      var email = form.elements.email.value;
      var name = form.elements.display_name.value;
      sessionStorage.setItem('demo_user_name', name);
      // A real app would use the id its backend gave the new account.
      tributary.identify('user-' + email.toLowerCase(), { email: email, displayName: name, plan: form.elements.plan.value });
      tributary.track('Signed up', { plan: form.elements.plan.value });
      go(BASE + '/welcome');
    } else if (form.id === 'checkout-form') {
      var cart = loadCart();
      tributary.track('Order completed', {
        items: cart.length,
        revenue: cart.reduce(function (sum, id) {
          return sum + (findProduct(id) || { price: 0 }).price;
        }, 0),
      });
      saveCart([]);
      go(BASE + '/checkout/complete');
    }
  });

  document.getElementById('throw-error').addEventListener('click', function () {
    setTimeout(function () {
      throw new Error('Demo error: the shop tripped over a paddle');
    });
  });

  window.addEventListener('popstate', render);
  saveCart(loadCart());
  render();
})();
